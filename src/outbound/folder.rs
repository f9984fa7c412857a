//! Delivery into a folder of `.eml` files, for running without a mail server.
