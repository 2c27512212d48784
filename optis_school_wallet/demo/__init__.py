from . import school_wallet_demo
