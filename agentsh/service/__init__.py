"""`agentsh serve`: the local task service. A front door, like cli/repl/tui: it hosts sessions and serves their events.

schema (the API's models) · files (token, service.json, log) · compat (what decides a turn besides the request) ·
tasks (the tasks table) · logs (each task's events, kept in memory) · runner (TaskManager) · app (the Starlette app) ·
openapi (its description) · server (uvicorn: start, idle stop, signals).
"""
