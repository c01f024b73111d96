"""Live probing of catalog offerings: API clients, stream timing, load scheduling, probe kinds,
the run store and the simulator. Imports `catalog`, never `advisor`."""
