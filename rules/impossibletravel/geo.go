package impossibletravel

import "math"

const earthRadiusKm = 6371.0088

// haversineKm is the great-circle distance between two points in km.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// effectiveKm is the distance that must have been covered for certain: the great-circle
// distance minus both accuracy radii, never below zero.
func effectiveKm(d, r1, r2 float64) float64 {
	return math.Max(0, d-r1-r2)
}
