"""The two jobs users come for, each turning one document into one DocumentResult: `ask` and `extract`."""
