{
    "name": "OPTIS School: cross-addon tests",
    "summary": "Hidden test addon: tours and tests that span the OPTIS addons",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "author": "OPTIS School",
    "website": "https://github.com/optis-school/optis-school",
    "license": "LGPL-3",
    "depends": [
        "optis_school",
        "optis_school_wallet",
        "optis_school_meetings",
        "optis_parent_portal",
        "payment_demo",
    ],
    "assets": {
        "web.assets_tests": [
            "test_optis_suite/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
