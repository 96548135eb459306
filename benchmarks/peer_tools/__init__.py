"""The peer comparison's parts: the fake server, the tmux pane, the installs, one adapter per tool."""
