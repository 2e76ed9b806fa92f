"""Units of the domain, recall and services: time cues, words and meaning, the prompt budget, config,
a turn end to end; over the real store where they need one."""
