def test_an_unknown_api_address_answers_in_the_api_error_format(client):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "/api/v1/no-such-thing" in response.json()["error"]["message"]
