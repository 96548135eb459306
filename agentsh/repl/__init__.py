"""The plain line UI (`agentsh --plain`), with prompt-toolkit. `main.repl_command` opens it."""
