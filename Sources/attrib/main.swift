print("attrib")
