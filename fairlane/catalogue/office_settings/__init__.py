"""Each office's own value of the facts the catalogue marks unconfirmed (`Item.office_settings`:
the fee, the time limit). The catalogue data holds the default; an office administrator
publishes the office's own value, and clearing it brings the default back."""
