"""The programme's rules, independent of any transport: plain functions over models."""
