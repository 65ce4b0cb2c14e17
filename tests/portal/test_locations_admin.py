from portal.models import Location, Pledge


def test_admin_adds_renames_and_deactivates_a_site(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.post(
        "/admin/portal/location/add/",
        {
            "code": "mae-la",
            "case_prefix": "ML",
            "name": "Mae La",
            "kind": "border",
            "country": "Thailand",
            "time_zone": "Asia/Bangkok",
            "active": "on",
        },
    )
    assert response.status_code == 302
    site = Location.objects.get(code="MAE-LA")
    assert site.time_zone == "Asia/Bangkok"
    response = client.post(
        f"/admin/portal/location/{site.pk}/change/",
        {
            "code": "MAE-LA",
            "case_prefix": "ML",
            "name": "Mae La camp",
            "kind": "border",
            "country": "Thailand",
            "time_zone": "Asia/Bangkok",
            "opened_version": site.version,
        },
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.name == "Mae La camp" and not site.active and site.version == 2


def test_sites_are_never_deleted(client, signed_in, admin_user, mae_sot):
    signed_in(admin_user)
    response = client.post(f"/admin/portal/location/{mae_sot.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Location.objects.filter(pk=mae_sot.pk).exists()


def test_case_worker_cannot_reach_the_django_admin(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    response = client.get("/admin/portal/location/")
    assert response.status_code in (302, 403)
    assert client.post("/admin/portal/location/add/", {"code": "X", "name": "X"}).status_code in (
        302,
        403,
    )
    assert not Location.objects.filter(code="X").exists()


def test_admin_publishes_a_new_pledge_version(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.post("/admin/portal/pledge/add/", {"version": 2, "text": "Updated pledge"})
    assert response.status_code == 302
    assert Pledge.current().version == 2
