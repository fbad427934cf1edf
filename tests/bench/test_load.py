"""The load generator's command line: wrk opens the connections asked for (a comment
once swallowed `-t` and `-c`, and every unit ran on wrk's default of 10 connections)."""

from bench import load


def test_wrk_opens_the_connections_asked_for():
    command = load.wrk_command(8000, "/x/", script="s.lua", seconds=5, connections=4)

    assert command[command.index("-c") + 1] == "4"
    assert command[command.index("-t") + 1] == "2"
    assert command[command.index("-d") + 1] == "5s"
    assert command[-1] == f"http://{load.HOST}:8000/x/"


def test_one_connection_runs_on_one_thread():
    command = load.wrk_command(8000, "/x/", script="s.lua", seconds=1, connections=1)

    assert command[command.index("-t") + 1] == "1"
    assert command[command.index("-c") + 1] == "1"
