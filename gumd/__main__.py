"""``python -m gumd`` runs the CLI."""

from gumd.cli import main

if __name__ == "__main__":
    main()
