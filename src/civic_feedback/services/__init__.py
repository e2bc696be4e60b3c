"""Application services: what citizens, staff and jobs change, above the tables and queries."""
