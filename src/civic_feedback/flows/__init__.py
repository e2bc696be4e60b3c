"""Flows: the form format, its loader and the engine that walks a citizen through it.

Pure: no Telegram and no database here.
"""
