print("attrib-corpus")
