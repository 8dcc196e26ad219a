"""Web pages, one module per concept: sign-in and account, home, work orders, customers."""
