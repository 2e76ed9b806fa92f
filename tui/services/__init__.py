"""Application services: turn orchestration, prompt building, wiring of adapters."""
