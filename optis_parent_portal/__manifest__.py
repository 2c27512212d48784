{
    "name": "OPTIS Parent Portal",
    "summary": "The parents' side in Odoo's portal: their children's wallets and parent-teacher interviews",
    "version": "18.0.1.0.0",
    "category": "Education",
    "author": "OPTIS School",
    "website": "https://github.com/optis-school/optis-school",
    "license": "LGPL-3",
    "depends": ["portal", "auth_signup", "payment", "optis_school", "optis_school_wallet", "optis_school_meetings"],
    "data": [
        "security/ir.model.access.csv",
        "security/optis_parent_portal_security.xml",
        "views/portal_templates.xml",
        "views/portal_interview_templates.xml",
        "views/portal_activation_templates.xml",
        "views/portal_child_templates.xml",
        "views/portal_money_templates.xml",
        "views/portal_language_selector_templates.xml",
    ],
    "assets": {
        "web.assets_tests": ["optis_parent_portal/static/tests/tours/*.js"],
    },
    "installable": True,
}
