from nnspec.cli import command

command()
