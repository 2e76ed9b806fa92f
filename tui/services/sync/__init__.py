"""Sync through a hub (#21): each device keeps its own record and index and works offline; the
hub relays sealed rows. ``engine.sync_once`` is one sync; ``conflicts`` lists and settles the
conflict copies it makes."""
