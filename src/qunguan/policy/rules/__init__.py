"""Rules, one module per chapter: small functions over explicit facts, each naming the
clause ids it enforces. They decide; services act on the decision."""
