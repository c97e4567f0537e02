"""Typer command groups. Thin: parse, call one library function, render, raise CloudctlError.

Modules here import only typer (and cloudctl.cli helpers) at top level; anything heavy is
imported inside the command function so ``cloudctl --help`` stays fast.
"""
