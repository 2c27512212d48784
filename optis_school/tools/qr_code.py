"""QR codes as small SVG images, drawn in pure Python."""

import base64

import qrcode


def qr_code_svg_data_uri(text, border=4):
    """``text`` as a QR code of error correction level M (the level EPC069-12 requires of
    a bank transfer's code), as an SVG data URI for an ``<img src>``.

    One path with one subpath per horizontal run of dark modules, and a fixed mask pattern:
    about a millisecond, where reportlab's PNG (``ir.actions.report.barcode``) takes some
    40 ms, and a third of its size. Any mask pattern is valid: a reader finds it in the code.

    :param str text: the content of the code (encoded in UTF-8)
    :param int border: the quiet zone around the code, in modules (4 in the QR standard)
    :return: ``data:image/svg+xml;base64,...``
    """
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border, mask_pattern=0)
    qr.add_data(text)
    matrix = qr.get_matrix()
    size = len(matrix)
    runs = []
    for row_index, row in enumerate(matrix):
        column = 0
        while column < size:
            if row[column]:
                start = column
                while column < size and row[column]:
                    column += 1
                runs.append(f"M{start} {row_index}h{column - start}v1h-{column - start}z")
            else:
                column += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
