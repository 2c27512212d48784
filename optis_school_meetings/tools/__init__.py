from .local_time import local_to_utc
