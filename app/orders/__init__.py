"""Orders: reading seller-centre exports, recording orders, comment orders."""
