def post_init_hook(env):
    """Give every company that already has a chart of accounts its wallet liability
    account and journal. Companies that get a chart later are set up when the chart
    is loaded (see ``account.chart.template``)."""
    env["res.company"].search([("chart_template", "!=", False)])._school_wallet_setup_accounting()
