/** @odoo-module **/

import { registry } from "@web/core/registry";

/** Fails the tour when the page is wider than the phone's screen (horizontal scrolling). */
function checkNoHorizontalScroll() {
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) {
        console.error(`Horizontal scrolling: page ${root.scrollWidth}px wide on a ${root.clientWidth}px screen`);
    }
}

/** A new parent opens the activation letter's link on a phone and registers. */
registry.category("web_tour.tours").add("optis_parent_portal_school_activate", {
    steps: () => [
        {
            content: "The code of the letter is prefilled",
            trigger: "#school_activate_code",
            run() {
                if (!/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(this.anchor.value)) {
                    console.error(`Activation code not prefilled: "${this.anchor.value}"`);
                }
                checkNoHorizontalScroll();
            },
        },
        {
            content: "Name",
            trigger: "input[name=name]",
            run: "edit Anne Peeters",
        },
        {
            content: "Email address",
            trigger: "input[name=login]",
            run: "edit anne.tour@family-three.example",
        },
        {
            content: "Password",
            trigger: "input[name=password]",
            run: "edit Lucas-2026-school",
        },
        {
            content: "The password again",
            trigger: "input[name=confirm_password]",
            run: "edit Lucas-2026-school",
        },
        {
            content: "Create the account",
            trigger: ".o_school_activate_form button[type=submit]",
            run: "click",
        },
        {
            content: "Logged in on the child's home",
            trigger: ".o_school_home_wallets",
            run: checkNoHorizontalScroll,
        },
        {
            content: "The child's profile",
            trigger: ".o_school_child_switcher a[href$='/profile']",
            run: "click",
        },
        {
            content: "The profile fits the phone",
            trigger: ".o_school_profile_account",
            run: checkNoHorizontalScroll,
        },
    ],
});
