from homelint.cli import run

run()
