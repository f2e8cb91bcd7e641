"""Short-video studio: uploaded media assets, video recipes and their renders (issue 5)."""
