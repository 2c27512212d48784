/** @odoo-module **/

import { registry } from "@web/core/registry";

// A bursar adds a student from the Students list, then generates an
// activation code for them from the student's form.
registry.category("web_tour.tours").add("optis_bursar_student_tour", {
    url: "/odoo/action-optis_school.res_partner_student_action",
    steps: () => [
        {
            content: "Create a student",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "First name",
            trigger: ".o_field_widget[name='first_name'] input",
            run: "edit Zoé",
        },
        {
            content: "Last name",
            trigger: ".o_field_widget[name='last_name'] input",
            run: "edit Tourette",
        },
        {
            content: "Student number",
            trigger: ".o_field_widget[name='student_number'] input",
            run: "edit TOUR-001",
        },
        {
            content: "The name is built from first and last name",
            trigger: ".oe_title:contains('Zoé Tourette')",
        },
        {
            content: "Generate activation codes (saves the student)",
            trigger: "button[name='action_generate_activation_codes']",
            run: "click",
        },
        {
            content: "Do not print letters this time",
            trigger: ".modal .o_field_widget[name='print_letters'] input:checked",
            run: "click",
        },
        {
            content: "Generate",
            trigger: ".modal button[name='action_generate']",
            run: "click",
        },
        {
            content: "The new code is listed",
            trigger: ".o_list_view .o_data_row td[name='student_id']:contains('Zoé Tourette')",
        },
    ],
});
