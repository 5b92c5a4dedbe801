"""Quality checks on every output: cheap checks (language, copy-through, loops, numbers, length) and an
optional embedding adequacy check, with the flags they raise."""
