def pre_init_hook(env):
    """Create the btree_gist extension before the tables: the appointment table has an
    exclusion constraint mixing ``=`` on the agent (an integer, which needs btree_gist in
    a GiST index) and ``&&`` on the time range. btree_gist is a trusted extension since
    PostgreSQL 13: the owner of the database may create it without being superuser."""
    env.cr.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
