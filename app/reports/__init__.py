"""Sales reports and dashboards over orders, livestreams and the catalog."""
