"""The copbot process: configuration, the composition root and the command line."""
