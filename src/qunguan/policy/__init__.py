"""The regulation as code: pure, importing only the domain.

``catalog`` holds the clauses of the seven regulations; ``document`` the typed policy;
``presets/`` the seven regulations as policies; ``render`` the regulation text generated
from a policy; ``explain`` the quotation every refusal carries.
"""
