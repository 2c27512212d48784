/** @odoo-module **/

import { registry } from "@web/core/registry";

const PHONE_WIDTH = 390;

/** Fails the tour when the page is wider than the phone (horizontal scrolling). */
function checkNoHorizontalScroll() {
    const width = document.documentElement.scrollWidth;
    if (width > PHONE_WIDTH) {
        console.error(`Horizontal scrolling: ${location.pathname} is ${width}px wide on a ${PHONE_WIDTH}px phone`);
    }
}

/** A step that waits for `trigger` on a new page, then checks the page fits the phone. */
function onPage(content, trigger) {
    return { content, trigger, run: checkNoHorizontalScroll };
}

/** Clicks the anchor after answering "OK" to the confirmation the button asks for. */
function confirmAndClick() {
    window.confirm = () => true;
    this.anchor.click();
}

// The success messages are told apart by their (English) text: the one of the page a click
// leaves is still there until the next page comes.

/**
 * A new parent on a phone, from the activation letter's link to the interviews and the money:
 * register, the child's home, top up online with the demo provider, back on the wallet, book an
 * interview, move it, cancel it, the invoices, the wallet's operations.
 */
registry.category("web_tour.tours").add("optis_parent_journey_tour", {
    steps: () => [
        {
            content: "The letter's code is prefilled",
            trigger: "#school_activate_code",
            run() {
                if (!this.anchor.value) {
                    console.error("The activation code of the letter is not prefilled");
                }
                checkNoHorizontalScroll();
            },
        },
        { content: "Name", trigger: "input[name=name]", run: "edit Nora Journey" },
        { content: "Email", trigger: "input[name=login]", run: "edit nora.journey@family.example" },
        { content: "Password", trigger: "input[name=password]", run: "edit Journey-2026-phone" },
        { content: "The password again", trigger: "input[name=confirm_password]", run: "edit Journey-2026-phone" },
        { content: "Create the account", trigger: ".o_school_activate_form button[type=submit]", run: "click" },

        // The child's home
        onPage("Logged in on the child's home", ".o_school_home_wallets:contains(General)"),
        { content: "Open the General wallet", trigger: "a.o_school_home_wallet:contains(General)", run: "click" },

        // Top up online
        onPage("The wallet's page", ".o_school_wallet_topup_form"),
        { content: "Amount", trigger: "#topup_amount", run: "edit 20" },
        { content: "Pay online", trigger: ".o_school_wallet_topup_form button[type=submit]", run: "click" },
        {
            content: "Odoo's payment form: the demo provider",
            trigger: "#o_payment_form",
            run() {
                checkNoHorizontalScroll();
                const radio = document.querySelector("input[name=o_payment_radio][data-payment-method-code=demo]");
                if (radio && !radio.checked) {
                    radio.click();
                }
            },
        },
        { content: "Card number", trigger: "input[name=customer_input]", run: "edit 4242424242424242" },
        { content: "Pay", trigger: "button[name=o_payment_submit_button]:not(:disabled)", run: "click" },
        onPage("Back on the wallet with the confirmation", ".o_school_wallet_topup_success"),
        {
            content: "The balance includes the payment",
            trigger: ".o_school_wallet_balance:contains(20.00)",
        },

        // Book an interview, move it, cancel it
        { content: "Back to the child's home", trigger: "a.o_school_child_switch", run: "click" },
        onPage("The child's home", ".o_school_home_events"),
        {
            content: "The parents' evening",
            trigger: ".o_school_home_event a[href^='/my/interviews/period/']",
            run: "click",
        },
        onPage("The evening's teachers", ".o_school_interview_teacher:contains(Tina Teacher)"),
        { content: "Book the first free time", trigger: ".o_school_interview_slot", run: "click" },
        onPage("Booked", ".o_school_interview_success:contains(Booked)"),
        { content: "Change the time", trigger: ".o_school_interview_own a.o_school_interview_move", run: "click" },
        onPage("The other free times", ".o_school_interview_current"),
        { content: "Move to the last free time", trigger: ".o_school_interview_slot:last", run: confirmAndClick },
        onPage("Moved", ".o_school_interview_success:contains(moved)"),
        {
            content: "Cancel the interview",
            trigger: "tr.o_school_interview form[action$='/cancel'] button",
            run: confirmAndClick,
        },
        {
            content: "Cancelled: no interview left",
            trigger: ".o_school_interview_success:contains(cancelled)",
            run() {
                checkNoHorizontalScroll();
                if (document.querySelector("tr.o_school_interview")) {
                    console.error("The cancelled interview is still listed");
                }
            },
        },

        // The invoices, then the wallet's operations
        {
            content: "The invoices",
            trigger: "body",
            run() {
                window.location.href = "/my/invoices";
            },
        },
        onPage("Odoo's invoices page", "table.o_portal_my_doc_table, p.alert-warning"),
        {
            content: "The wallets",
            trigger: "body",
            run() {
                window.location.href = "/my/wallets";
            },
        },
        { content: "The child's wallet", trigger: ".o_school_wallet_row a", run: "click" },
        { content: "Every operation", trigger: "a.o_school_wallet_operations_link", run: "click" },
        onPage("The operations with the top-up", ".o_school_operations_filters"),
        {
            content: "The online top-up is listed",
            trigger: ".o_school_wallet_operation:contains(20.00)",
            run: checkNoHorizontalScroll,
        },
    ],
});
