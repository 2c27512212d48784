/** @odoo-module **/

import { registry } from "@web/core/registry";

// A meetings administrator plans a parents' evening, publishes it, then books an
// interview by phone for a family from the period's Interviews button.
registry.category("web_tour.tours").add("optis_interview_booking_tour", {
    url: "/odoo/action-optis_school_meetings.school_interview_period_action",
    steps: () => [
        {
            content: "New interview period",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name",
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Tour evening",
        },
        {
            content: "Date",
            trigger: ".o_field_widget[name='date'] input",
            run: "edit 01/15/2030 && click body",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Every teacher takes part",
            trigger: ".o_field_widget[name='participation_ids'] .o_data_row:contains('Sophie Claes')",
        },
        {
            content: "Publish",
            trigger: "button[name='action_publish']",
            run: "click",
        },
        {
            content: "Published",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Published')",
        },
        {
            content: "Open the interviews of the period",
            trigger: "button[name='action_view_interviews']",
            run: "click",
        },
        {
            content: "Book one",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Teacher",
            trigger: ".o_field_widget[name='participation_id'] input",
            run: "edit Sophie Claes",
        },
        {
            content: "Sophie Claes in this period",
            trigger: ".ui-autocomplete a:contains('Sophie Claes - Tour evening')",
            run: "click",
        },
        {
            content: "First interview of the evening (16:00 Brussels time)",
            trigger: ".o_field_widget[name='start'] input",
            run: "edit 01/15/2030 16:00:00 && click body",
        },
        {
            content: "Child",
            trigger: ".o_field_widget[name='student_id'] input",
            run: "edit Emma Vermeulen",
        },
        {
            content: "Emma",
            trigger: ".ui-autocomplete a:contains('Emma Vermeulen')",
            run: "click",
        },
        {
            content: "Guardian",
            trigger: ".o_field_widget[name='guardian_id'] input",
            run: "edit Marc Vermeulen",
        },
        {
            content: "Marc",
            trigger: ".ui-autocomplete a:contains('Marc Vermeulen')",
            run: "click",
        },
        {
            content: "Save the booking",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Both parents of Emma attend",
            trigger: ".o_field_widget[name='attendee_names']:contains('Marc Vermeulen')",
        },
    ],
});
