"""Settings: the flag table and the one merge of defaults, job file, environment and flags."""
