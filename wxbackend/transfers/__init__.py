"""Archive (档案) and hukou (户口) transfer info: one implementation, two modules (ON-10).

Every destination module feeds it — today the signed online agreement — so it sits on the platform
floor: ``signing`` decides which blocks apply (the school's module switches, 户口是否转入学校) and
calls ``transfers.services``; this package never imports a domain or web package.
"""
