"""The vocabulary of Qunguan: pure types and rules, with no web or database imports."""
