"""The New deployment form against the private cloud: no regions asked, the cluster's stock.

The private cloud's create sends no `dc_list` (api/flavor.py), so the form neither shows
the Regions row nor counts it among the fields to fix; GPU models come from the whole
cluster's stock.
"""

from __future__ import annotations

from journey_steps import SIZES, TOKEN_ENV
from sim_process import running_sim


@SIZES
def test_the_form_on_the_private_cloud_asks_for_no_region(
    terminal, tmp_path, cols: int, rows: int
) -> None:
    with running_sim("--fleet", "demo", "--flavor", "private") as (_proc, url):
        config = tmp_path / f"private-{cols}.toml"
        config.write_text(f'[profiles.lab]\nflavor = "private"\nbase_url = "{url}"\n')
        config.chmod(0o600)
        term = terminal(
            "--config", str(config), "--profile", "lab", cols=cols, rows=rows, env=TOKEN_ENV
        )
        term.wait_first_paint("lab · 127.0.0.1")
        term.press("n")
        term.wait_for("New deployment")
        # The cluster's stock fills the GPU models (private names, with idle/total cards).
        term.wait_for("NVIDIA GeForce RTX")
        # Name, GPU model, image and command: regions are not among the fields to fix.
        term.wait_for("4 fields to fix")
        assert "Regions" not in term.text()
        assert "choose at least one region" not in term.text()
        term.type("lab-form")
        term.wait_for("3 fields to fix")
        term.press("escape")
        term.wait_for("Discard this form?")
        term.press("y")
        term.wait_gone("New deployment")
        assert term.alive()
