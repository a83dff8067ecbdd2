"""Issue 12 walked in the real process: `autodl-tui` in a pty against `autodl-tui sim`.

Each test starts the app at 80x24 and at 120x35, presses keys as a person would and waits
for what the screen shows (never a fixed sleep). One simulator serves the module; nothing
here changes its fleet (every dialog is cancelled), so the tests do not depend on order.
"""

from __future__ import annotations

from journey_steps import SIZES, TOKEN_ENV, on_containers, on_deployment, started
from sim_process import running_sim


@SIZES
def test_images_load_over_the_socket_and_ctrl_o_on_a_fresh_install(
    terminal, sim_url: str, cols: int, rows: int
) -> None:
    term = started(terminal, sim_url, cols, rows)
    term.press("i")
    term.wait_for("Images ·")
    # The first private page arrives: the count loses its "+" and the loading row goes.
    term.wait(lambda: "private ·" in term.text() and "+ private" not in term.text(), "a page")
    term.wait_gone("Loading private images")
    assert "public base images" in term.text()
    term.press("escape")
    term.wait_gone("Images ·")
    term.press("n")
    term.wait_for("New deployment")
    term.press("ctrl+b")  # the same view from the form
    term.wait_for("Images ·")
    term.wait_gone("Loading private images")
    term.press("escape")
    term.wait_gone("Images ·")
    term.press("ctrl+o")
    term.wait_for("No saved templates")
    term.press("escape")
    term.wait_gone("No saved templates")
    term.press("escape")  # the blank form holds nothing: it closes without asking
    term.wait_gone("New deployment")
    assert term.alive()


@SIZES
def test_keys_that_cannot_act_say_why(terminal, sim_url: str, cols: int, rows: int) -> None:
    term = started(terminal, sim_url, cols, rows)
    on_deployment(term, "finetune-sweep")
    term.press("s")
    term.wait_for("is a Job")
    on_deployment(term, "old-api")
    term.press("s")
    term.wait_for("is stopped")
    on_deployment(term, "h800-pretrain")
    on_containers(term, "creating")
    term.press("c")
    term.wait_for("still waiting")
    # Enter on a pane with no row to open (filtered to nothing) says so too.
    term.wait_gone("still waiting")
    term.press("/")
    term.type("zz-no-such")
    term.press("enter")
    term.wait_for("0 of ")
    term.wait_gone("Not now")
    term.press("enter")
    term.wait_for("Not now")
    term.wait_for("No matching rows")
    assert "Scale old-api" not in term.text()


@SIZES
def test_escape_asks_before_discarding_and_tab_keeps_up_with_typing(
    terminal, sim_url: str, cols: int, rows: int
) -> None:
    term = started(terminal, sim_url, cols, rows)
    term.press("n")
    term.wait_for("New deployment")
    # Typed in one burst: the Tab moves on before the keys behind it are handed out.
    term.type("fastname\t\t7")
    term.wait(lambda: "fastname7" not in term.text() and "fastname" in term.text(), "the name")
    term.press("escape")
    term.wait_for("Discard this form?")
    term.press("n")
    term.wait_gone("Discard this form?")
    assert "fastname" in term.text()
    term.press("escape")
    term.wait_for("Discard this form?")
    term.press("y")
    term.wait_gone("New deployment")
    # The blacklist dialog: minutes, Tab, comment, all in one write.
    on_deployment(term, "l20-infer")
    on_containers(term)
    term.press("b")
    term.wait_for("Blacklist host")
    term.type("60\tNCCL")
    term.wait_for("expires in 1 h")
    term.wait_for("NCCL")
    assert "60NCCL" not in term.text()
    term.press("escape")
    term.wait_gone("Blacklist host")


@SIZES
def test_detail_filter_and_drill_down(terminal, sim_url: str, cols: int, rows: int) -> None:
    term = started(terminal, sim_url, cols, rows)
    on_deployment(term, "l20-infer")
    term.press("d")
    term.wait_for("Deployment l20-infer")
    term.wait_gone("loading…")
    term.press("end")
    term.wait_for("Duration packages")
    term.wait_for("Burn now")
    term.press("escape")
    term.wait_gone("Deployment l20-infer")
    # Enter drills into the containers; Escape comes back.
    term.press("enter")
    term.wait(lambda: "Containers: l20-infer" in term.text(), "the containers pane")
    term.wait_for("c Copy SSH")  # the containers pane has the focus
    term.press("escape")
    term.wait_for("s Scale")  # the footer shows the deployments' keys again
    if cols == 80:  # one pane at a time: the containers pane gave way to the deployments
        term.wait_gone("Containers: l20-infer ─")
    # The filter shows in the pane title, and Escape in the table clears it.
    term.press("/")
    term.type("l20")
    term.press("enter")
    term.wait_for("/l20")
    term.press("escape")
    term.wait_gone("/l20")
    assert "h800-pretrain" in term.text()


@SIZES
def test_e_shows_why_the_status_line_says_offline(terminal, cols: int, rows: int) -> None:
    from sim_process import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    term = terminal("--base-url", url, cols=cols, rows=rows, env=TOKEN_ENV)
    term.wait_first_paint("Deployments")
    term.wait(lambda: "retrying" in term.text() or "offline" in term.text(), "the status line")
    term.press("E")
    term.wait_for("Polling")
    assert "No error so far" not in term.text()


@SIZES
def test_the_fleet_view_says_it_is_working(terminal, sim_url: str, cols: int, rows: int) -> None:
    term = started(terminal, sim_url, cols, rows)
    term.press("2", "a")
    term.wait_for("Working")
    term.wait_for("all deployments")


@SIZES
def test_switching_profile_starts_over_on_the_other_server(
    terminal, sim_url: str, tmp_path, cols: int, rows: int
) -> None:
    with running_sim("--fleet", "empty") as (_proc, other_url):
        config = tmp_path / f"profiles-{cols}.toml"
        config.write_text(
            f'[profiles.demo]\nbase_url = "{sim_url}"\n\n'
            f'[profiles.spare]\nbase_url = "{other_url}"\n',
            encoding="utf-8",
        )
        config.chmod(0o600)
        term = terminal(
            "--config", str(config), "--profile", "demo", cols=cols, rows=rows, env=TOKEN_ENV
        )
        term.wait_first_paint("h800-pretrain")
        assert "demo · 127.0.0.1" in term.lines()[0]
        term.press("P")
        term.wait_for("Switch profile")
        term.press("2")  # the second profile listed: spare
        term.wait(lambda: "spare · 127.0.0.1" in term.lines()[0], "the spare profile's label")
        term.wait_gone("h800-pretrain")  # its server has no deployments
        term.press("P")
        term.wait_for("Switch profile")
        term.press("1")
        term.wait_for("h800-pretrain")
        assert "demo · 127.0.0.1" in term.lines()[0]
        assert term.alive()
