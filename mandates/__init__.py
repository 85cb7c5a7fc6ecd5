"""Court orders to attend (mandates), their periods, and whether each is met (README: "Mandates
and compliance"); the court reports issued for them."""
