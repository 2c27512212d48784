"""Builders of small CAMT.053 and CODA bank files for the import tests: the structured
communications of test wallets change with the database ids, so files are written at
test time from these layouts (CODA 2.x fixed-width records of 128 characters)."""

from datetime import date


def _amount(value, digits=15):
    """A CODA amount: digits with three implied decimals."""
    return str(round(abs(value) * 1000)).rjust(digits, "0")


def _record(*parts):
    line = "".join(parts)
    if len(line) != 128:
        raise ValueError(f"CODA record of {len(line)} characters: {line!r}")
    return line


def build_coda(iban, holder, transactions, statement_number=101, day=None):
    """A CODA file of one statement.

    :param str iban: the school's account
    :param list transactions: dicts with ``amount`` (signed), ``name`` (counterparty),
        ``iban`` (counterparty), ``communication`` (twelve digits for a structured one,
        else free text) and ``bank_ref``
    :return: the file content, bytes
    """
    day = (day or date(2026, 11, 20)).strftime("%d%m%y")
    paper = str(statement_number).rjust(3, "0")[-3:]
    account = iban.ljust(34) + "EUR"
    balance_start = 1000.0
    balance_end = balance_start + sum(tx["amount"] for tx in transactions)
    lines = [
        _record(
            "0",
            "0000",
            day,
            "725",
            "05",
            " ",
            " " * 7,
            "OPTISTEST ".ljust(10),
            holder[:26].ljust(26),
            "KREDBEBB".ljust(11),
            "00000000000",
            " ",
            "00000",
            " " * 16,
            " " * 16,
            " " * 7,
            "2",
        ),
        _record(
            "1",
            "2",
            paper,
            account,
            "0",
            _amount(balance_start),
            day,
            holder[:26].ljust(26),
            "Compte courant".ljust(35),
            paper,
        ),
    ]
    for sequence, tx in enumerate(transactions, start=1):
        seq = str(sequence).rjust(4, "0")
        communication = tx["communication"]
        if communication.isdigit() and len(communication) == 12:
            comm_field = "1" + ("101" + communication).ljust(53)
        else:
            comm_field = "0" + communication[:53].ljust(53)
        lines += [
            _record(
                "21",
                seq,
                "0000",
                tx["bank_ref"][:21].ljust(21),
                "0" if tx["amount"] >= 0 else "1",
                _amount(tx["amount"]),
                day,
                "00150000",
                comm_field,
                day,
                paper,
                "0",
                "1",
                " ",
                "0",
            ),
            _record("22", seq, "0000", " " * 53, " " * 35, "GEBABEBB".ljust(11), " " * 16, "1", " ", "0"),
            _record("23", seq, "0000", tx["iban"].ljust(37), tx["name"][:35].ljust(35), " " * 43, "0", " ", "0"),
        ]
    lines.append(_record("8", paper, account, "0", _amount(balance_end), day, " " * 64, "0"))
    credits = sum(tx["amount"] for tx in transactions if tx["amount"] > 0)
    debits = -sum(tx["amount"] for tx in transactions if tx["amount"] < 0)
    lines.append(
        _record("9", " " * 15, str(len(lines) - 1).rjust(6, "0"), _amount(debits), _amount(credits), " " * 75, "2")
    )
    return ("\n".join(lines) + "\n").encode("latin-1")


def build_camt053(iban, holder, transactions, statement_id="OPTIS-2026-11-20"):
    """A CAMT.053.001.02 file of one statement.

    :param list transactions: dicts with ``amount`` (signed), ``name``, ``iban``,
        ``bank_ref`` and either ``structured`` (a structured reference, any notation) or
        ``text`` (free text)
    :return: the file content, bytes
    """
    entries = []
    for tx in transactions:
        indicator = "CRDT" if tx["amount"] >= 0 else "DBIT"
        party = "Dbtr" if indicator == "CRDT" else "Cdtr"
        party_account = "DbtrAcct" if indicator == "CRDT" else "CdtrAcct"
        if tx.get("structured"):
            remittance = (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
                f"<Ref>{tx['structured']}</Ref></CdtrRefInf></Strd>"
            )
        else:
            remittance = f"<Ustrd>{tx['text']}</Ustrd>"
        entries.append(
            f"""
            <Ntry>
                <Amt Ccy="EUR">{abs(tx["amount"]):.2f}</Amt>
                <CdtDbtInd>{indicator}</CdtDbtInd>
                <Sts>BOOK</Sts>
                <BookgDt><Dt>2026-11-20</Dt></BookgDt>
                <ValDt><Dt>2026-11-20</Dt></ValDt>
                <AcctSvcrRef>{tx["bank_ref"]}</AcctSvcrRef>
                <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
                <NtryDtls>
                    <TxDtls>
                        <Refs><AcctSvcrRef>{tx["bank_ref"]}</AcctSvcrRef></Refs>
                        <AmtDtls><TxAmt><Amt Ccy="EUR">{abs(tx["amount"]):.2f}</Amt></TxAmt></AmtDtls>
                        <RltdPties>
                            <{party}><Nm>{tx["name"]}</Nm></{party}>
                            <{party_account}><Id><IBAN>{tx["iban"]}</IBAN></Id></{party_account}>
                        </RltdPties>
                        <RmtInf>{remittance}</RmtInf>
                    </TxDtls>
                </NtryDtls>
            </Ntry>"""
        )
    balance_start = 1000.0
    balance_end = balance_start + sum(tx["amount"] for tx in transactions)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
    <BkToCstmrStmt>
        <GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>2026-11-20T18:00:00</CreDtTm></GrpHdr>
        <Stmt>
            <Id>{statement_id}</Id>
            <CreDtTm>2026-11-20T18:00:00</CreDtTm>
            <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy><Nm>{holder}</Nm></Acct>
            <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{balance_start:.2f}</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>
            <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{balance_end:.2f}</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>{"".join(entries)}
        </Stmt>
    </BkToCstmrStmt>
</Document>
""".encode()
