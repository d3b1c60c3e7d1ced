from ingest.cli import cli

cli(prog_name="ingest")
