"""Website widgets: the operator's channel list and TV guide embedded on their own site (docs/widgets.md)."""
