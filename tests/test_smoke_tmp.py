def test_submit(client, backend):
    r = client.post("/api/renewals", json={"name": "张三", "phone": "138 0013 8000", "plate": "粤b 12345", "consent": True})
    print(r.status_code, r.get_json(), dict(r.headers))
    assert r.status_code == 201
    lead = backend.lead_store.get_lead(r.get_json()["lead_id"])
    print(lead)
    r2 = client.post("/api/renewals", json={"name": "张三", "phone": "138 0013 8000", "plate": "粤b 12345", "consent": True})
    print(r2.status_code, r2.get_json())
    r3 = client.post("/api/renewals", json={"name": "", "phone": "12", "plate": "xx", "consent": False, "foo": 1}, headers={"Accept-Language": "en"})
    print(r3.status_code, r3.get_json())
    r4 = client.post("/api/renewals", data={"name": "", "phone": "12", "plate": "xx"})
    print(r4.status_code, r4.headers["Location"])
    print(client.get("/api/openapi.json").status_code)
    print(client.get("/api/health").get_json())
