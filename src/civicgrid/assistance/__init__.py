"""Social assistance (社会救助): programmes, standards, applications, verification, decisions."""
