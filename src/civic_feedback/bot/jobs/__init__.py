"""The scheduler, leadership, and the workers it wakes."""
