"""The office directory: where each office and service station is, when it is open, how to
get there, which police stations cover it, and which business needs a visit at all."""
