"""Observers: window, screen, input and files, each producing Observations for the queue."""
